// Suggestions under a search box, as the WAI-ARIA 1.2 combobox pattern (list autocomplete).
// Progressive enhancement: a search input opts in with data-suggest-url; without
// JavaScript the form is an ordinary GET form.
(function () {
  "use strict";
  if (!window.fetch || !document.querySelectorAll) { return; }
  var DELAY = 150;
  var counter = 0;

  function setup(input) {
    var form = input.form;
    var url = input.getAttribute("data-suggest-url");
    if (!form || !url) { return; }
    var id = input.id || ("searchbox-" + (++counter));
    input.id = id;
    var host = input.parentNode;
    host.classList.add("suggest-host");

    var list = document.createElement("ul");
    list.id = id + "-listbox";
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "搜索建议");
    list.hidden = true;
    var live = document.createElement("div");
    live.className = "visually-hidden";
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    host.appendChild(list);
    host.appendChild(live);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");

    var items = [];
    var active = -1;
    var timer = null;
    var pending = null;
    var lastQuery = null;

    function orgValue() {
      var box = form.querySelector("input[name=org]");
      return box && box.checked ? box.value : "";
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function mark(index) {
      var options = list.querySelectorAll("[role=option]");
      for (var i = 0; i < options.length; i++) {
        options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        if (options[index].scrollIntoView) { options[index].scrollIntoView({ block: "nearest" }); }
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function pick(index) {
      var item = items[index];
      if (!item) { return; }
      close();
      if (item.type === "title" && item.url) {
        window.location.assign(item.url);
        return;
      }
      input.value = item.text;
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    }

    function show(found) {
      items = found;
      list.textContent = "";
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (!found.length) {
        close();
        live.textContent = "";
        return;
      }
      found.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = id + "-option-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.className = "suggest-option suggest-" + item.type;
        li.textContent = item.text;
        if (item.type !== "word") {
          var tag = document.createElement("span");
          tag.className = "suggest-kind";
          tag.textContent = item.type === "title" ? "信息" : "热词";
          li.appendChild(tag);
        }
        li.addEventListener("mousedown", function (event) { event.preventDefault(); });
        li.addEventListener("click", function () { pick(i); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      live.textContent = "有 " + found.length + " 条建议，用上下方向键选择";
    }

    function fetchNow() {
      var q = input.value.trim();
      if (q.length < 1) { lastQuery = null; show([]); return; }
      var key = q + "\u0000" + orgValue();
      if (key === lastQuery && items.length) { show(items); return; }
      lastQuery = key;
      if (pending) { pending.abort(); }
      var controller = window.AbortController ? new AbortController() : null;
      pending = controller;
      var address = url + "?q=" + encodeURIComponent(q) +
        (orgValue() ? "&org=" + encodeURIComponent(orgValue()) : "");
      fetch(address, controller ? { signal: controller.signal } : {})
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) {
          if (pending === controller) { pending = null; }
          if (input.value.trim() !== q) { return; }  // typed on meanwhile
          show(data.suggestions || []);
        })
        .catch(function () { /* aborted or offline: the form still works */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchNow, DELAY);
    });

    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && items.length > 0;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) { if (items.length) { show(items); mark(0); } else { fetchNow(); } return; }
        mark(active + 1 >= items.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp") {
        if (!open) { return; }
        event.preventDefault();
        mark(active <= 0 ? items.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault();
          pick(active);
        } else {
          close();
        }
      } else if (event.key === "Escape") {
        if (open) {
          event.preventDefault();
          close();
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
          items = [];
          lastQuery = null;
        }
      }
    });

    input.addEventListener("blur", function () { setTimeout(close, 150); });
    document.addEventListener("click", function (event) {
      if (!host.contains(event.target)) { close(); }
    });
  }

  var inputs = document.querySelectorAll("input[data-suggest-url]");
  for (var i = 0; i < inputs.length; i++) { setup(inputs[i]); }
}());
