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
      // Vega names what it draws after the spec's description ("Vega visualization" without
      // one): the chart's title stands in, so an exported SVG is named too.
      var name = holder.getAttribute("aria-label") || "";
      if (!spec.description) {
        spec.description = name;
      }
      var fallback = holder.innerHTML;
      holder.innerHTML = "";
      window.vegaEmbed(holder, spec, { actions: false, renderer: "svg" }).then(function (result) {
        keepName(holder, name);
        enableExports(figure, result.view);
      }).catch(function (err) {
        holder.innerHTML = fallback;
        keepName(holder, name);
        holder.classList.add("tf-chart-error");
        if (window.console) {
          window.console.error(err);
        }
      });
    });
  }

  // The box keeps the chart's accessible name (its title, role img) and its description (the
  // summary under it): Vega makes the box it draws into a "graphics-document" named after the
  // spec's description, so the page's attributes are put back once it has drawn. The drawn
  // SVG, whose marks would be read one by one, is hidden from assistive technology: the data
  // table under the chart holds the values.
  function keepName(holder, name) {
    holder.setAttribute("role", "img");
    holder.setAttribute("aria-label", name);
    holder.removeAttribute("aria-roledescription");
    holder.querySelectorAll("svg").forEach(function (svg) {
      svg.setAttribute("aria-hidden", "true");
      svg.setAttribute("focusable", "false");
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

  // Pagefind's input carries only a title and a placeholder: it gets a label of its own.
  function labelInput(box, id, text, hidden) {
    var input = box.querySelector("input.pagefind-ui__search-input");
    if (!input || !text) {
      return;
    }
    input.id = id;
    input.removeAttribute("title");
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = text;
    label.className = hidden ? "tf-visually-hidden" : "tf-search-label";
    box.insertBefore(label, box.firstChild);
  }

  function startHeaderSearch() {
    var holder = document.querySelector(".tf-header-search[data-pagefind-path]");
    if (!holder || !served()) {
      return;
    }
    var old = holder.querySelector("label");
    var text = old ? old.textContent : "";
    var box = document.createElement("div");
    box.id = "tf-header-pagefind";
    box.className = "tf-header-pagefind";
    holder.innerHTML = "";
    holder.appendChild(box);
    new window.PagefindUI(pagefindOptions(holder, "#tf-header-pagefind", { showSubResults: false, pageSize: 5 }));
    labelInput(box, "tf-header-q", text, true);
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
    labelInput(box, "tf-search-q", box.getAttribute("data-label"), false);
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
