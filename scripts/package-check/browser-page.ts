// The page of the browser app (index.html), so that a bundler keeps everything generateFrom reaches.
import { generateFrom } from './browser-app.js';

const button = document.querySelector('button');
const output = document.querySelector('pre');
button?.addEventListener('click', () => {
  void generateFrom('./model/', new AbortController().signal).then((texts) => {
    if (output) output.textContent = texts.join('\n\n');
  });
});
