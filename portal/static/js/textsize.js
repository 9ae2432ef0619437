// 大字版: larger text for residents who need it, remembered on this device. Loaded in <head>
// (not deferred) so a remembered choice applies before the first paint. Progressive
// enhancement: without JavaScript the header's "大字版" link leads to the footer's note on
// the browser's own zoom, which the layout supports as well (site.css sizes in rem).
(function () {
  "use strict";
  var KEY = "portal.textSize";
  var CLASS = "text-large";
  var root = document.documentElement;

  function remembered() {
    try { return window.localStorage.getItem(KEY) === "large"; } catch (e) { return false; }
  }
  function remember(large) {
    try {
      if (large) { window.localStorage.setItem(KEY, "large"); } else { window.localStorage.removeItem(KEY); }
    } catch (e) { /* storage off: the choice lasts for this page only */ }
  }

  if (remembered()) { root.classList.add(CLASS); }

  function wire() {
    var link = document.querySelector("a.text-size-link");
    if (!link) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "text-size-toggle";
    button.textContent = link.textContent;
    button.setAttribute("aria-pressed", String(root.classList.contains(CLASS)));
    button.addEventListener("click", function () {
      var large = !root.classList.contains(CLASS);
      root.classList.toggle(CLASS, large);
      button.setAttribute("aria-pressed", String(large));
      remember(large);
    });
    link.parentNode.replaceChild(button, link);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
}());
