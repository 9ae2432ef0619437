// Live preview of the document body while staff type. Progressive enhancement: without
// JavaScript the "预览" button renders the same preview on the server. The fragment comes
// from /admin/documents/preview, which renders Markdown and sanitises the HTML.
(function () {
  "use strict";
  var body = document.getElementById("body");
  var box = document.getElementById("preview");
  var token = document.querySelector("input[name=csrf_token]");
  if (!body || !box || !token || !window.fetch || !window.URLSearchParams) { return; }
  var target = box.querySelector(".preview-body");
  var timer = null;
  var latest = 0;

  function refresh() {
    var ticket = ++latest;
    var data = new URLSearchParams();
    data.append("csrf_token", token.value);
    data.append("body", body.value);
    fetch(box.getAttribute("data-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: data.toString()
    })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        if (ticket !== latest) { return; }  // an older answer arriving late
        target.innerHTML = html;  // sanitised on the server (portal.markdown.render)
        box.hidden = false;
      })
      .catch(function () { /* keep the last preview; the button still works */ });
  }

  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 500);
  });
  if (body.value.trim()) { refresh(); }
}());
