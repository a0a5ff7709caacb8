// A search box above every <select data-choice-filter> (time zones, countries): typing hides
// the options (and empty groups) that do not contain the text; the select stays a plain select.
(() => {
  const fold = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  function enhance(select) {
    if (select.dataset.choiceFilterReady) return;
    select.dataset.choiceFilterReady = "1";
    const box = document.createElement("input");
    box.type = "search";
    box.className = "choice-filter";
    box.placeholder = select.dataset.filterPlaceholder || "…";
    box.setAttribute("aria-label", box.placeholder);
    box.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", () => {
      const needle = fold(box.value.trim().replace(/ /g, "_"));
      const plain = fold(box.value.trim());
      let first = null;
      for (const option of select.options) {
        const hay = fold(option.value + " " + option.textContent);
        const show = !plain || hay.includes(needle) || hay.includes(plain);
        option.hidden = !show;
        if (show && !first) first = option;
      }
      for (const group of select.querySelectorAll("optgroup")) {
        group.hidden = ![...group.children].some((option) => !option.hidden);
      }
      if (first && select.selectedOptions[0] && select.selectedOptions[0].hidden) first.selected = true;
    });
  }
  const run = () => document.querySelectorAll("select[data-choice-filter]").forEach(enhance);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();
