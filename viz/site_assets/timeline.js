/* Timeline page: the events (JSON in the page) filtered by year range, kind, locality, partner
   and theme.  An event is in a year range when one of its dates with a year falls in it. */
(function () {
  "use strict";
  var T = window.cdkgText, el = window.cdkgEl;
  var rows = JSON.parse(document.getElementById("cdkg-data").textContent).rows;
  var body = document.getElementById("tl-rows"), count = document.getElementById("tl-count");
  var from = document.getElementById("tl-from"), to = document.getElementById("tl-to");
  var lists = {kind: "kind", locality: "locality", partner: "partner", theme: "theme"};
  function values(r, key) { return key === "kind" ? r.kind.split(", ") : r[key]; }
  Object.keys(lists).forEach(function (key) {
    var sel = document.getElementById("tl-" + key), seen = {};
    rows.forEach(function (r) { values(r, key).forEach(function (v) { seen[v] = true; }); });
    Object.keys(seen).sort(function (a, b) { return a.localeCompare(b); }).forEach(function (v) {
      var o = el("option", v); o.value = v; sel.appendChild(o);
    });
    sel.addEventListener("change", draw);
  });
  from.addEventListener("input", draw);
  to.addEventListener("input", draw);
  function keep(r) {
    var lo = parseInt(from.value, 10), hi = parseInt(to.value, 10);
    if (!isNaN(lo) || !isNaN(hi)) {
      if (!r.years.some(function (y) { return (isNaN(lo) || y >= lo) && (isNaN(hi) || y <= hi); })) { return false; }
    }
    return Object.keys(lists).every(function (key) {
      var want = document.getElementById("tl-" + key).value;
      return !want || values(r, key).indexOf(want) >= 0;
    });
  }
  function draw() {
    body.textContent = "";
    var shown = 0;
    rows.forEach(function (r) {
      if (!keep(r)) { return; }
      shown += 1;
      var tr = el("tr", null, "event"), td = el("td", null, "when");
      r.dates.forEach(function (d, i) {
        if (i) { td.appendChild(el("br")); }
        td.appendChild(el("span", d.text, d.inferred ? "inferred" : ""));
        if (d.note) { td.appendChild(el("span", " (" + d.note + ")", "note")); }
      });
      tr.appendChild(td);
      var name = el("td"), a = el("a", r.label); a.href = r.href; name.appendChild(a); tr.appendChild(name);
      tr.appendChild(el("td", r.kind));
      tr.appendChild(el("td", r.locality.join("; ")));
      tr.appendChild(el("td", r.partner.join("; ")));
      body.appendChild(tr);
    });
    count.textContent = shown + " " + T.shown + " " + rows.length;
  }
  draw();
  window.cdkgTimelineReady = true;
  document.body.setAttribute("data-timeline-ready", "1");
})();
