// The preview's problems overlay, added by `factsheets serve` to the pages it serves (never part of the
// site). While the last build of the site failed, every open page shows the problems the terminal shows:
// the server tells each page on a websocket of its own when the page opens and whenever a build fails or
// succeeds. A good build removes the overlay (and livereload reloads the page). The problems quote the
// fact sheets, so they are written as text, never as markup.
(() => {
  const ID = "preview--problems";
  let shown = null; // the problems in the overlay
  let dismissed = null; // the problems the reader closed: shown again only when they change
  let retry = 1000;

  function element(tag, properties) {
    return Object.assign(document.createElement(tag), properties);
  }

  function overlay() {
    const existing = document.getElementById(ID);
    if (existing) return existing;
    const dialog = element("dialog", { id: ID });
    dialog.setAttribute("role", "alertdialog");
    dialog.setAttribute("aria-labelledby", `${ID}-title`);
    dialog.setAttribute("aria-describedby", `${ID}-note ${ID}-lines`);
    const header = element("div", { className: "preview--problems-header" });
    const heading = element("h2", { id: `${ID}-title`, textContent: "The last build failed" });
    const close = element("button", { type: "button", textContent: "Close", autofocus: true });
    close.addEventListener("click", () => dialog.close());
    header.append(heading, close);
    const note = element("p", {
      id: `${ID}-note`,
      textContent:
        "The terminal running the preview shows the same problems. Until they are fixed, the preview " +
        "serves the last good build; this page reloads by itself when the site builds again.",
    });
    const lines = element("pre", { id: `${ID}-lines` });
    dialog.append(header, note, lines);
    dialog.addEventListener("close", () => {
      dismissed = shown;
    });
    document.body.append(dialog);
    return dialog;
  }

  function show(problems) {
    if (problems === dismissed) return;
    const dialog = overlay();
    dialog.querySelector("pre").textContent = problems;
    shown = problems;
    if (!dialog.open) dialog.showModal();
  }

  function remove() {
    document.getElementById(ID)?.remove();
    shown = dismissed = null;
  }

  function listen() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/_preview/problems`);
    socket.addEventListener("open", () => {
      retry = 1000;
    });
    socket.addEventListener("message", (event) => {
      const { problems } = JSON.parse(event.data);
      if (problems) show(problems);
      else remove();
    });
    socket.addEventListener("close", () => {
      setTimeout(listen, retry); // the server restarted, or stopped: try again, less and less often
      retry = Math.min(retry * 2, 30000);
    });
  }

  listen();
})();
