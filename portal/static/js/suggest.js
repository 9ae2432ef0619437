// While a resident types a message subject, show published FAQs and documents that may
// already answer it. Progressive enhancement: without JavaScript the form works as is.
(function () {
  "use strict";
  var input = document.getElementById("subject");
  var box = document.getElementById("suggestions");
  var token = document.querySelector("input[name=csrf_token]");
  if (!input || !box || !token || !window.fetch) { return; }
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (q.length < 2) { box.textContent = ""; return; }
      fetch(box.getAttribute("data-url"), {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token.value },
        body: JSON.stringify({ q: q })
      })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (items) {
          box.textContent = "";
          if (!items.length) { return; }
          var p = document.createElement("p");
          p.textContent = "这些信息可能已经解答了您的问题：";
          box.appendChild(p);
          var ul = document.createElement("ul");
          items.forEach(function (item) {
            var li = document.createElement("li");
            var a = document.createElement("a");
            a.href = item.url;
            a.textContent = item.title + "（" + item.kind + "）";
            li.appendChild(a);
            ul.appendChild(li);
          });
          box.appendChild(ul);
        })
        .catch(function () { box.textContent = ""; });
    }, 400);
  });
}());
