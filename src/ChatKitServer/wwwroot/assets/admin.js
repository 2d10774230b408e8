// Admin pages: forms with data-confirm ask before they are sent (kept out of the markup: the pages' CSP allows no inline script).
document.addEventListener('submit', (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
