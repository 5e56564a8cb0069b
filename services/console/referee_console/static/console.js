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
