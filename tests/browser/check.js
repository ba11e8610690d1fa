// Injected into a copy of each rendered page by tests/test_browser.py: once the page and MathJax are done, it
// measures what a reader would see and writes the findings as JSON into <pre id="page-check">.
(function () {
  function report() {
    var problems = [];
    var column = document.querySelector("article.bd-article") || document.querySelector("main") || document.body;
    var right = column.getBoundingClientRect().right + 2;
    column.querySelectorAll("*").forEach(function (el) {
      var box = el.getBoundingClientRect();
      var style = window.getComputedStyle(el);
      if (box.width === 0 || style.display === "none" || style.visibility === "hidden") return;
      if (el.closest("details:not([open])")) return;  // folded away: not shown
      if (box.right > right) problems.push({kind: "wider than the column", what: describe(el), by: Math.round(box.right - right)});
      // inline math overhangs its box by a few pixels of italic glyph; a display equation that is cut still counts
      var inlineMath = el.matches("span.math, span.math *") || el.closest("span.math") !== null;
      var clips = ["auto", "scroll", "hidden"].indexOf(style.overflowX) >= 0 && style.display !== "inline" && !inlineMath;
      if (clips && el.scrollWidth > el.clientWidth + 2 && el.clientWidth > 0)
        problems.push({kind: "content cut or scrolled sideways", what: describe(el), by: el.scrollWidth - el.clientWidth});
    });
    document.querySelectorAll("img").forEach(function (img) {
      if (!img.complete || img.naturalWidth === 0) problems.push({kind: "image not loaded", what: img.getAttribute("src")});
      else if (img.clientWidth > 0 && img.naturalWidth < 1.5 * img.clientWidth)
        problems.push({kind: "image not sharp", what: img.getAttribute("src"), natural: img.naturalWidth, shown: img.clientWidth});
    });
    var text = column.innerText;
    if (text.indexOf("\\(") >= 0 || text.indexOf("\\[") >= 0 || /\$\$/.test(text)) problems.push({kind: "math not typeset"});
    var path = text.match(/(\/work\/|\/tmp\/|\/home\/|\/root\/)\S*/);
    if (path) problems.push({kind: "machine path in the text", what: path[0]});
    document.querySelectorAll("details").forEach(function (d) {
      var summary = d.querySelector("summary");
      var body = (d.textContent || "").replace(summary ? summary.textContent : "", "").trim();
      if (summary && /show code cell source/i.test(summary.innerText) && body === "") problems.push({kind: "empty code toggle"});
    });
    var out = document.createElement("pre");
    out.id = "page-check";
    out.textContent = JSON.stringify({problems: problems, images: document.querySelectorAll("img").length});
    document.body.appendChild(out);
  }
  function describe(el) {
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && el.className.baseVal === undefined ?
      "." + String(el.className).split(" ").join(".") : "") + " " + (el.innerText || "").slice(0, 60).replace(/\s+/g, " ");
  }
  function whenTypeset() {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) MathJax.startup.promise.then(report);
    else report();
  }
  if (document.readyState === "complete") setTimeout(whenTypeset, 50);
  else window.addEventListener("load", function () { setTimeout(whenTypeset, 50); });
})();
