/* Video studio: the script's character count, its length in seconds and the cost; voice previews. */
(function () {
  "use strict";

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, name) { return values[name]; });
  }

  function updateMeter(textarea) {
    var meter = document.getElementById("script-meter");
    if (!meter) return;
    var text = textarea.value.trim();
    var words = text ? text.split(/\s+/).length : 0;
    var seconds = Math.max(3, Math.round(words / 2.5));
    meter.textContent = format(meter.dataset.templateChars, { count: textarea.value.length, max: meter.dataset.max }) +
      " · " + format(meter.dataset.templateSeconds, { seconds: seconds });
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches("textarea[data-script]")) updateMeter(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    var textarea = document.querySelector("textarea[data-script]");
    if (textarea && textarea.value) updateMeter(textarea);
    var select = document.querySelector("[data-voice-select]");
    var button = document.querySelector("[data-voice-preview]");
    var audio = document.getElementById("voice-preview");
    if (!select || !button || !audio) return;
    function sync() {
      var option = select.options[select.selectedIndex];
      button.hidden = !(option && option.dataset.preview);
    }
    select.addEventListener("change", sync);
    button.addEventListener("click", function () {
      var option = select.options[select.selectedIndex];
      if (option && option.dataset.preview) { audio.src = option.dataset.preview; audio.play(); }
    });
    sync();
  });
})();
