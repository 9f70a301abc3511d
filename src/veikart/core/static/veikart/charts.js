/*
 * Veikart charts: draws the Vega-Lite specs that a page carries as JSON (Django's json_script),
 * with vega-embed. No inline scripts and no eval: the specs are data, and vega-embed runs in
 * "ast" mode (its bundled expression interpreter), so the page works under a strict
 * Content-Security-Policy.
 *
 *   <div class="vk-chart" id="trend" data-vk-chart="trend-spec"></div>
 *   <script type="application/json" id="trend-spec">{...}</script>
 *   <div data-vk-actions="trend" hidden>
 *     <button data-vk-download="png" data-vk-target="trend">…</button>
 *   </div>
 *
 * The numbers are always in a table next to the chart, so a chart that fails to draw loses
 * nothing but the picture.
 */
(function () {
  "use strict";

  var NB_NUMBERS = {
    decimal: ",",
    thousands: "\u00a0",
    grouping: [3],
    currency: ["", "\u00a0kr"],
    minus: "\u2212"
  };
  var NB_TIME = {
    dateTime: "%A %e. %B %Y kl. %X",
    date: "%d.%m.%Y",
    time: "%H:%M:%S",
    periods: ["AM", "PM"],
    days: ["søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"],
    shortDays: ["søn", "man", "tir", "ons", "tor", "fre", "lør"],
    months: ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
      "september", "oktober", "november", "desember"],
    shortMonths: ["jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov",
      "des"]
  };

  var views = {};

  function options() {
    var english = /^en\b/i.test(document.documentElement.lang || "");
    // defaultStyle false and disableDefaultStyle: vega-embed and its tooltip would otherwise
    // add <style> elements, which the Content-Security-Policy refuses; charts.css has the rules.
    var chosen = {
      actions: false,
      renderer: "svg",
      ast: true,
      defaultStyle: false,
      tooltip: { disableDefaultStyle: true }
    };
    if (!english) {
      chosen.formatLocale = NB_NUMBERS;
      chosen.timeFormatLocale = NB_TIME;
    }
    return chosen;
  }

  function render(element) {
    if (element.getAttribute("data-vk-rendered")) {
      return;
    }
    var source = document.getElementById(element.getAttribute("data-vk-chart"));
    if (!source || typeof window.vegaEmbed !== "function") {
      return;
    }
    element.setAttribute("data-vk-rendered", "pending");
    var spec = JSON.parse(source.textContent);
    window.vegaEmbed(element, spec, options()).then(function (result) {
      views[element.id] = result.view;
      // The element itself carries the text alternative (and a table sits beside it): the
      // drawing inside is hidden from assistive technology rather than read mark by mark.
      var drawing = element.querySelector("svg, canvas");
      if (drawing) {
        drawing.setAttribute("aria-hidden", "true");
        drawing.setAttribute("focusable", "false");
      }
      element.setAttribute("data-vk-rendered", "done");
      var actions = document.querySelector('[data-vk-actions="' + element.id + '"]');
      if (actions) {
        actions.hidden = false;
      }
    }).catch(function (error) {
      element.setAttribute("data-vk-rendered", "failed");
      if (window.console) {
        window.console.error("Veikart chart " + element.id + ":", error);
      }
    });
  }

  function download(button) {
    var id = button.getAttribute("data-vk-target");
    var format = button.getAttribute("data-vk-download") === "svg" ? "svg" : "png";
    var view = views[id];
    if (!view) {
      return;
    }
    view.toImageURL(format, format === "png" ? 2 : 1).then(function (url) {
      var link = document.createElement("a");
      link.href = url;
      link.download = "veikart-" + id + "." + format;
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
  }

  function renderAll(root) {
    var elements = root.querySelectorAll("[data-vk-chart]");
    for (var i = 0; i < elements.length; i += 1) {
      render(elements[i]);
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-vk-download]") : null;
    if (button) {
      download(button);
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { renderAll(document); });
  } else {
    renderAll(document);
  }
  // Parts of a page swapped in by HTMX get their charts drawn too.
  document.addEventListener("htmx:afterSwap", function (event) { renderAll(event.target); });
}());
