// Progressive enhancement for the receipt (回执): a 打印 button. Without JavaScript the
// button stays hidden and the page says to use the browser's own print command.
(function () {
  "use strict";
  if (typeof window.print !== "function") { return; }
  document.querySelectorAll(".print-button").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
}());
