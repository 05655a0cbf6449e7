/* Draws every chart of the page with the local Vega bundle and starts the search box.
   No network: the specs are in the page, the libraries in assets/vega-bundle.js. */
(function () {
  "use strict";

  function drawCharts() {
    var figures = document.querySelectorAll("figure.tf-chart");
    if (!figures.length || typeof window.vegaEmbed !== "function") {
      return;
    }
    figures.forEach(function (figure) {
      var holder = figure.querySelector(".tf-vega");
      var source = figure.querySelector("script.tf-spec");
      if (!holder || !source) {
        return;
      }
      var spec;
      try {
        spec = JSON.parse(source.textContent);
      } catch (err) {
        holder.classList.add("tf-chart-error");
        return;
      }
      var fallback = holder.innerHTML;
      holder.innerHTML = "";
      window.vegaEmbed(holder, spec, { actions: false, renderer: "svg" }).then(function (result) {
        enableExports(figure, result.view);
      }).catch(function (err) {
        holder.innerHTML = fallback;
        holder.classList.add("tf-chart-error");
        if (window.console) {
          window.console.error(err);
        }
      });
    });
  }

  // Chart images are made here, from the drawn chart, by the Vega runtime the site ships:
  // no server rendering, and the same image whether the page is served or opened from disk.
  function save(name, url) {
    var link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function enableExports(figure, view) {
    figure.querySelectorAll("button.tf-export").forEach(function (button) {
      var format = button.getAttribute("data-format");
      var name = figure.id + "." + format;
      button.disabled = false;
      button.addEventListener("click", function () {
        if (format === "svg") {
          view.toSVG().then(function (svg) {
            var blob = new Blob([svg], { type: "image/svg+xml" });
            var url = URL.createObjectURL(blob);
            save(name, url);
            setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
          });
        } else {
          view.toImageURL("png", 2).then(function (url) { save(name, url); });
        }
      });
    });
  }

  // Pagefind loads its index with fetch(), which browsers refuse for file:// pages: there the
  // header keeps its plain form (to the search page, which says the site must be served).
  function served() {
    return location.protocol !== "file:" && typeof window.PagefindUI === "function";
  }

  function pagefindOptions(holder, element, extra) {
    var options = {
      element: element,
      bundlePath: new URL(holder.getAttribute("data-pagefind-path"), location.href).pathname,
      baseUrl: new URL(holder.getAttribute("data-site-root"), location.href).pathname,
      showImages: false,
      resetStyles: false
    };
    Object.keys(extra).forEach(function (key) {
      options[key] = extra[key];
    });
    return options;
  }

  function startHeaderSearch() {
    var holder = document.querySelector(".tf-header-search[data-pagefind-path]");
    if (!holder || !served()) {
      return;
    }
    var box = document.createElement("div");
    box.id = "tf-header-pagefind";
    box.className = "tf-header-pagefind";
    holder.innerHTML = "";
    holder.appendChild(box);
    new window.PagefindUI(pagefindOptions(holder, "#tf-header-pagefind", { showSubResults: false, pageSize: 5 }));
  }

  function startSearchPage() {
    var box = document.getElementById("tf-search");
    if (!box) {
      return;
    }
    if (!served()) {
      var offline = document.querySelector(".tf-search-offline[hidden]");
      if (offline) {
        offline.hidden = false;
      }
      return;
    }
    var ui = new window.PagefindUI(pagefindOptions(box, "#tf-search", { showSubResults: true }));
    var query = new URLSearchParams(location.search).get("q");
    if (query) {
      ui.triggerSearch(query);
    }
  }

  function start() {
    drawCharts();
    startHeaderSearch();
    startSearchPage();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
