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
      .then(function (r) {
        // Only a 200 from the preview itself carries the rendered body; an error page or
        // the sign-in page (after an expired session's redirect) must not be shown in it.
        if (r.redirected) { return Promise.reject("signed-out"); }
        return r.ok ? r.text() : Promise.reject(r.status);
      })
      .then(function (html) {
        if (ticket !== latest) { return; }  // an older answer arriving late
        target.innerHTML = html;  // sanitised on the server (portal.markdown.render)
        box.hidden = false;
      })
      .catch(function (reason) {
        if (ticket !== latest) { return; }
        var message = document.createElement("p");
        message.className = "error";
        if (reason === "signed-out") {
          message.textContent = "登录已过期，请重新登录后再预览（请先复制正文，以免丢失）。";
        } else if (reason === 400 || reason === 413) {
          message.textContent = "无法预览：正文过长或页面已过期，请检查正文或刷新页面。";
        } else {
          message.textContent = "暂时无法预览，请稍后重试，或点击“预览”按钮。";
        }
        target.textContent = "";
        target.appendChild(message);
        box.hidden = false;
      });
  }

  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 500);
  });
  if (body.value.trim()) { refresh(); }
}());
