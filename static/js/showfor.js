// Forms whose fields depend on a choice: inside a <form>, the elements marked
// data-show-for="a b" are shown only while the form's <select data-show-switch>
// holds one of those values (and their inputs are disabled while hidden, so a
// hidden field is never sent). Without JavaScript every field stays visible.
(() => {
  function sync(form, select) {
    for (const el of form.querySelectorAll("[data-show-for]")) {
      const show = el.dataset.showFor.split(" ").includes(select.value);
      el.hidden = !show;
      for (const input of el.querySelectorAll("input, select, textarea")) input.disabled = !show;
    }
  }
  function init() {
    for (const select of document.querySelectorAll("select[data-show-switch]")) {
      const form = select.form;
      if (!form || form.dataset.showForReady) continue;
      form.dataset.showForReady = "1";
      select.addEventListener("change", () => sync(form, select));
      sync(form, select);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
