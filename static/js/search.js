// The header search: arrow keys move from the box through the results, Escape goes back and closes them.
(() => {
  const hits = () => Array.from(document.querySelectorAll("#site-search-results a.search-hit"));
  document.addEventListener("keydown", (event) => {
    const box = document.getElementById("site-search");
    if (!box) return;
    const inBox = event.target === box;
    const list = hits();
    const index = list.indexOf(document.activeElement);
    if (!inBox && index < 0) return;
    if (event.key === "ArrowDown" && list.length) {
      event.preventDefault();
      list[Math.min(index + 1, list.length - 1)].focus();
    } else if (event.key === "ArrowUp" && index >= 0) {
      event.preventDefault();
      if (index === 0) box.focus(); else list[index - 1].focus();
    } else if (event.key === "Escape") {
      document.getElementById("site-search-results").replaceChildren();
      box.focus();
    }
  });
})();
