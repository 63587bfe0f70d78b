// The translation editor's keys (no inline handlers: the CSP forbids them).
// Alt+Down / Alt+Up: next / previous field; Ctrl+Enter: submit the field; Ctrl+Shift+Enter: approve it;
// Alt+Right: the next product of the queue.
(function () {
  "use strict";
  function fields() { return Array.from(document.querySelectorAll("#editor textarea.target-text")); }
  function unitOf(element) { return element && element.closest("article.unit"); }
  function move(step) {
    var all = fields(), index = all.indexOf(document.activeElement);
    var next = all[Math.max(0, Math.min(all.length - 1, index + step))];
    if (next) { next.focus(); }
  }
  function press(selector) {
    var unit = unitOf(document.activeElement);
    var button = unit && unit.querySelector(selector);
    if (button) { button.click(); }
  }
  document.addEventListener("keydown", function (event) {
    if (!document.getElementById("editor")) { return; }
    if (event.altKey && event.key === "ArrowDown") { event.preventDefault(); move(1); }
    else if (event.altKey && event.key === "ArrowUp") { event.preventDefault(); move(-1); }
    else if (event.altKey && event.key === "ArrowRight") {
      var link = document.getElementById("next-product");
      if (link) { event.preventDefault(); window.location.href = link.href; }
    }
    else if (event.ctrlKey && event.shiftKey && event.key === "Enter") { event.preventDefault(); press("button.approve-unit"); }
    else if (event.ctrlKey && event.key === "Enter") { event.preventDefault(); press("button.submit-unit"); }
  });
})();
