// The workspace menu collapses behind a button on narrow screens (CSS: .js .sidebar:not(.open)).
document.documentElement.classList.add("js");
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-menu-toggle]");
  if (!button) return;
  const menu = document.getElementById(button.getAttribute("aria-controls"));
  if (!menu) return;
  const open = menu.classList.toggle("open");
  button.setAttribute("aria-expanded", open ? "true" : "false");
});
// Mark the menu entry of the current page (the longest matching link).
document.addEventListener("DOMContentLoaded", () => {
  let best = null;
  for (const link of document.querySelectorAll(".sidebar a[href]")) {
    const path = new URL(link.href, location.href).pathname;
    if (location.pathname.startsWith(path) && (!best || path.length > best.path.length)) best = { link, path };
  }
  if (best) best.link.setAttribute("aria-current", "page");
});
