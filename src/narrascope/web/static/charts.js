/* narrascope dashboard: draws the time-series charts (uPlot) and makes the evidence legend interactive.
   Chart data sits in <script type="application/json"> next to each .chart element (no inline scripts: the
   pages are served with a strict Content-Security-Policy). */
(function () {
  "use strict";

  function drawChart(el) {
    var data = JSON.parse(document.getElementById(el.dataset.chart).textContent);
    if (!data.x.length) { el.textContent = "No dated articles."; return; }
    var weekly = data.unit === "week";
    var series = [{ label: weekly ? "Week of" : "Day", value: "{YYYY}-{MM}-{DD}" }];
    var columns = [data.x];
    data.series.forEach(function (s) {
      series.push({ label: s.label, stroke: s.color, width: 2, points: { show: data.x.length < 60 },
                    value: function (u, v) { return v == null ? "–" : v + " articles"; } });
      columns.push(s.values);
    });
    var marks = data.marks || [];
    var drawMarks = function (u) {  // surges: a triangle above the point, in the series' colour
      var ctx = u.ctx;
      marks.forEach(function (m) {
        var i = data.x.indexOf(m.x);
        if (i < 0) { return; }
        var x = u.valToPos(m.x, "x", true), y = u.valToPos(columns[m.series][i], "y", true);
        var r = 7 * (window.devicePixelRatio || 1);
        ctx.save();
        ctx.fillStyle = data.series[m.series - 1].color;
        ctx.strokeStyle = "#fff";
        ctx.beginPath();
        ctx.moveTo(x, y - 2 * r); ctx.lineTo(x - r, y - r / 2 - r); ctx.lineTo(x + r, y - r / 2 - r);
        ctx.closePath(); ctx.fill(); ctx.stroke();
        ctx.restore();
      });
    };
    var height = parseInt(el.dataset.height || "300", 10);
    var opts = {
      width: Math.max(el.clientWidth, 300), height: height, series: series,
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(1, max * 1.1)]; } } },
      axes: [{}, { label: weekly ? "articles / week" : "articles / day", size: 60 }],
      legend: { live: true },  // values on hover; the page also lists the series, colours and totals
      cursor: { points: { size: 7 } },
      hooks: { draw: [drawMarks] }
    };
    el.textContent = "";
    var plot = new uPlot(opts, columns, el);
    el.setAttribute("data-drawn", "true");
    // series toggles by keyboard: each legend row is a button (Enter or Space shows or hides its line)
    el.querySelectorAll(".u-legend .u-series").forEach(function (row, i) {
      if (i === 0) { return; }
      row.tabIndex = 0;
      row.setAttribute("role", "button");
      row.setAttribute("aria-label", "Show or hide " + data.series[i - 1].label);
      row.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); (row.querySelector("th") || row).click(); }
      });
    });
    var resize = function () { plot.setSize({ width: Math.max(el.clientWidth, 300), height: height }); };
    window.addEventListener("resize", resize);
  }

  function legend() {
    var text = document.getElementById("article-text");
    if (!text) { return; }
    var buttons = document.querySelectorAll(".legend-item[data-label]");
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        var on = button.getAttribute("aria-pressed") !== "true";
        buttons.forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
        text.querySelectorAll("mark.ev.on").forEach(function (m) { m.classList.remove("on"); });
        text.classList.toggle("focused", on);
        if (!on) { return; }
        button.setAttribute("aria-pressed", "true");
        var first = null;
        text.querySelectorAll('mark.ev[data-labels~="' + button.dataset.label + '"]').forEach(function (m) {
          m.classList.add("on");
          first = first || m;
        });
        if (first) { first.scrollIntoView({ block: "center", behavior: "smooth" }); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (window.uPlot) { document.querySelectorAll(".chart[data-chart]").forEach(drawChart); }
    legend();
  });
})();
