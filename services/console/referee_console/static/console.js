// The phone's location for a form, on request only; the form works the same without it.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-locate]");
  if (!button) return;
  const form = button.closest("form");
  const output = form.querySelector("output.located");
  if (!navigator.geolocation) {
    output.textContent = output.dataset.failedText;
    return;
  }
  navigator.geolocation.getCurrentPosition(
    (position) => {
      form.elements.lat.value = position.coords.latitude.toFixed(6);
      form.elements.lon.value = position.coords.longitude.toFixed(6);
      output.textContent = output.dataset.locatedText;
    },
    () => { output.textContent = output.dataset.failedText; },
    { enableHighAccuracy: true, timeout: 10000 },
  );
});

// Notifications as they happen (server-sent events): the bell's count, a short notice, the feed's top.
(() => {
  const bell = document.querySelector("[data-live]");
  if (!bell || !window.EventSource) return;
  const source = new EventSource(bell.dataset.live);
  source.addEventListener("notification", (message) => {
    const note = JSON.parse(message.data);
    const count = bell.querySelector(".count");
    count.textContent = String((parseInt(count.textContent, 10) || 0) + 1);
    const toast = document.createElement(note.link ? "a" : "div");
    toast.className = "toast";
    toast.textContent = note.text;
    if (note.link) toast.href = note.link;
    document.getElementById("toasts").prepend(toast);
    setTimeout(() => toast.remove(), 15000);
    const feed = document.getElementById("feed");
    if (feed) {
      const item = document.createElement("li");
      item.className = "card note unread";
      const text = document.createElement(note.link ? "a" : "span");
      text.textContent = note.text;
      if (note.link) text.href = note.link;
      const when = document.createElement("div");
      when.className = "meta";
      when.textContent = note.at;
      item.append(text, when);
      feed.prepend(item);
      document.getElementById("feed-empty")?.remove();
    }
  });
  window.addEventListener("beforeunload", () => source.close());
})();

// A wide table scrolls within its own box on a phone instead of making the whole page wider.
document.querySelectorAll("table.figures").forEach((table) => {
  if (table.parentElement.classList.contains("table-scroll")) return;
  const box = document.createElement("div");
  box.className = "table-scroll";
  table.replaceWith(box);
  box.append(table);
});
