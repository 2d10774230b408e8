// The demo page: mounts the ChatKit web component on /chatkit once OpenAI's script has defined it
// (kept out of the page: its Content-Security-Policy allows no inline script).
function mount() {
  const chatkit = document.createElement('openai-chatkit');
  chatkit.setOptions({
    api: { url: new URL('/chatkit', window.location.href).toString(), domainKey: 'local-dev' },
    history: { enabled: true, showDelete: true, showRename: true },
    threadItemActions: { feedback: true, retry: true },
    startScreen: { greeting: 'Ask me anything', prompts: [{ label: 'Show the help card', prompt: 'help' }] },
  });
  document.getElementById('chat-root').append(chatkit);
}
const started = Date.now();
(function wait() {
  if (customElements.get('openai-chatkit')) return mount();
  if (Date.now() - started > 15000) { document.getElementById('offline').style.display = 'block'; return; }
  setTimeout(wait, 100);
})();
