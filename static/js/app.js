// The hub's only script besides htmx: small progressive enhancements, no inline handlers (strict CSP).
document.documentElement.classList.add("js");

document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-autosubmit]");
  if (form) form.requestSubmit();
});

document.addEventListener("submit", (event) => {
  const button = event.submitter;
  if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) event.preventDefault();
});

// Tables: a header checkbox (data-select-all="name") ticks every row checkbox of that name in its form.
document.addEventListener("change", (event) => {
  const all = event.target.closest("input[data-select-all]");
  if (!all || !all.form) return;
  for (const box of all.form.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`)) {
    box.checked = all.checked;
  }
});

// The menu: the link of the page you are on is marked (the longest href that starts the path, or a data-also
// prefix), and on a narrow screen the menu folds behind its button.
function markCurrentPage() {
  const path = window.location.pathname;
  let best = null;
  let bestLength = -1;
  for (const link of document.querySelectorAll(".main-nav a[href]")) {
    const href = new URL(link.href, window.location.href).pathname;
    const prefixes = [href, ...(link.dataset.also ? link.dataset.also.split(" ") : [])];
    for (const prefix of prefixes) {
      const matches = prefix === "/" ? path === "/" : path === prefix || path.startsWith(prefix.endsWith("/") ? prefix : prefix + "/");
      if (matches && prefix.length > bestLength) { best = link; bestLength = prefix.length; }
    }
    link.removeAttribute("aria-current");
  }
  if (best) best.setAttribute("aria-current", "page");
}

function setMenu(open) {
  const toggle = document.querySelector(".nav-toggle");
  const menu = document.getElementById("main-menu");
  if (!toggle || !menu) return;
  menu.classList.toggle("open", open);
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
}

document.addEventListener("click", (event) => {
  const toggle = event.target.closest(".nav-toggle");
  if (toggle) setMenu(toggle.getAttribute("aria-expanded") !== "true");
});

// Filters of a table fold away behind one button (unless one of the folded ones is in use).
function foldFilters(root) {
  for (const form of root.querySelectorAll("form.table-filters:not([data-foldable])")) {
    const rows = [...form.querySelectorAll(".filter-row")].slice(1);
    if (!rows.length) continue;
    form.dataset.foldable = "1";
    const inUse = rows.some((row) => [...row.querySelectorAll("input, select")].some((field) =>
      (field.type === "checkbox" ? field.checked : field.value !== "")));
    const button = document.createElement("button");
    button.type = "button";
    button.className = "filters-toggle outline secondary";
    button.setAttribute("aria-expanded", inUse ? "true" : "false");
    const words = document.body.dataset;
    const label = () => (form.classList.contains("folded") ? words.wordShowFilters : words.wordHideFilters) || "Filters";
    if (!inUse) form.classList.add("folded");
    button.textContent = label();
    button.addEventListener("click", () => {
      form.classList.toggle("folded");
      button.setAttribute("aria-expanded", form.classList.contains("folded") ? "false" : "true");
      button.textContent = label();
    });
    form.before(button);
  }
}

// Escape closes what is open: dropdowns (<details>), the phone menu; focus returns to what opened it.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const details of document.querySelectorAll("details[open]")) {
    if (details.classList.contains("dropdown") || details.closest("nav, .table-filters, .table-toolbar")) {
      details.removeAttribute("open");
      const summary = details.querySelector("summary");
      if (summary && details.contains(document.activeElement)) summary.focus();
    }
  }
  const toggle = document.querySelector(".nav-toggle[aria-expanded='true']");
  if (toggle) { setMenu(false); toggle.focus(); }
});

// A click outside an open dropdown closes it, as a menu does.
document.addEventListener("click", (event) => {
  for (const details of document.querySelectorAll("details.dropdown[open]")) {
    if (!details.contains(event.target)) details.removeAttribute("open");
  }
});

function enhance() {
  markCurrentPage();
  foldFilters(document);
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", enhance);
else enhance();
document.addEventListener("htmx:afterSettle", () => foldFilters(document));
