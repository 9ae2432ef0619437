// The wide navigation's sections are <details> (they open without JavaScript); this closes
// the others when one opens, and closes them on Escape or a click elsewhere.
(function () {
  "use strict";
  var groups = document.querySelectorAll("details.nav-group, details.menu");
  if (!groups.length) { return; }
  function closeAll(except) {
    groups.forEach(function (g) { if (g !== except && g.open) { g.open = false; } });
  }
  groups.forEach(function (g) {
    g.addEventListener("toggle", function () { if (g.open) { closeAll(g); } });
  });
  document.addEventListener("click", function (event) {
    var inside = event.target.closest && event.target.closest("details.nav-group, details.menu");
    if (!inside) { closeAll(null); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    groups.forEach(function (g) {
      if (g.open) { g.open = false; g.querySelector("summary").focus(); }
    });
  });
}());
