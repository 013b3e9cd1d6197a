/* The rota's small behaviours: the fairness chart and "copy" buttons. No inline script (strict CSP). */
(function () {
  "use strict";

  var PALETTE = ["#1d4f91", "#486581", "#8a4b08", "#2f6f4f"];

  function fairnessChart() {
    var data = document.getElementById("fairness-data");
    var canvas = document.getElementById("fairness-chart");
    if (!data || !canvas || typeof window.Chart === "undefined") return;
    var chart = JSON.parse(data.textContent);
    if (!chart) return;
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.series.map(function (serie, index) {
          return { label: serie.label, data: serie.data, backgroundColor: PALETTE[index % PALETTE.length] };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  function copyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var field = document.getElementById(button.getAttribute("data-copy"));
        if (!field) return;
        field.select();
        if (navigator.clipboard) {
          navigator.clipboard.writeText(field.value);
        } else {
          document.execCommand("copy");
        }
        button.classList.add("btn-success");
      });
    });
  }

  // The rotation form: the "covered from / until" times only matter for nights or weekends.
  function restrictionFields() {
    var select = document.getElementById("id_restriction");
    if (!select) return;
    var rows = ["div_id_restriction_starts", "div_id_restriction_ends"].map(function (id) {
      return document.getElementById(id);
    });
    function update() {
      rows.forEach(function (row) {
        if (row) row.hidden = select.value === "";
      });
    }
    select.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    fairnessChart();
    copyButtons();
    restrictionFields();
  });
})();
