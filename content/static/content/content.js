/* Content studio: copy buttons and the builder's live preview. No inline script needed. */
(function () {
  "use strict";

  function textOf(target) {
    if (!target) return "";
    if (target.tagName === "TEMPLATE") return target.content.textContent;
    if (target.tagName === "INPUT" || target.tagName === "TEXTAREA") return target.value;
    return target.textContent;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var text = textOf(document.querySelector(button.getAttribute("data-copy")));
    if (!navigator.clipboard) return;
    navigator.clipboard.writeText(text.trim()).then(function () {
      var label = button.textContent;
      button.textContent = "✓";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });

  /* After the sections form saves (htmx answers with HX-Trigger: pageSaved), reload the preview. */
  document.body.addEventListener("pageSaved", function () {
    var frame = document.getElementById("page-preview");
    if (frame && frame.contentWindow) frame.contentWindow.location.reload();
  });
})();
