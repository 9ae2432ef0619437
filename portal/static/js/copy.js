// Progressive enhancement for the 订阅 page: a one-click copy button beside each feed
// address. Without JavaScript the address stays in a read-only box to copy by hand.
(function () {
  "use strict";
  var status = document.querySelector(".copy-status");
  if (!navigator.clipboard) { return; }
  document.querySelectorAll(".copy-button").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
        if (status) { status.textContent = "已复制订阅地址，请粘贴到 RSS 阅读器中。"; }
      }, function () {
        if (status) { status.textContent = "复制失败，请长按地址框手动复制。"; }
      });
    });
  });
}());
