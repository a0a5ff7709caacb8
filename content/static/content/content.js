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

  /* After the sections form saves (htmx answers with HX-Trigger: pageSaved), show the saved page. */
  document.body.addEventListener("pageSaved", function () {
    var frame = document.getElementById("page-preview");
    if (frame && frame.dataset.src) frame.src = frame.dataset.src + "?t=" + Date.now();
  });

  /* Live preview: while typing in the sections form, post its (unsaved) values to the
     preview address into the preview frame, at most once per pause in typing. */
  var livePreviewTimer = null;
  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form[data-live-preview]");
    var frame = document.getElementById("page-preview");
    if (!form || !frame) return;
    clearTimeout(livePreviewTimer);
    livePreviewTimer = setTimeout(function () {
      var action = form.getAttribute("action");
      form.setAttribute("action", form.dataset.livePreview);
      form.setAttribute("target", frame.name);
      HTMLFormElement.prototype.submit.call(form); /* not a submit event: htmx does not save */
      form.setAttribute("action", action);
      form.removeAttribute("target");
    }, 700);
  });

  /* Keep the sections that were open after the form is swapped (htmx save). */
  var openSections = null;
  document.body.addEventListener("htmx:beforeSwap", function () {
    var open = document.querySelectorAll("#sections-form details[open]");
    openSections = open.length ? Array.prototype.map.call(open, function (d) { return d.dataset.section; }) : null;
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    if (!openSections) return;
    document.querySelectorAll("#sections-form details[data-section]").forEach(function (d) {
      if (openSections.indexOf(d.dataset.section) >= 0) d.open = true;
    });
    openSections = null;
  });
})();
