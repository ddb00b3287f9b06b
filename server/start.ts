// `npm start`: serves the demo pages and the freshly built bundle on one local origin.
import http from 'node:http';
import { staticFiles } from './static.js';

const port = Number(process.env.PORT ?? 8080);
const serve = staticFiles({ '/build/': 'build/dist', '/': 'integrationExamples' });

http.createServer(async (req, res) => {
  if (!(await serve(req, res))) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('Not found');
  }
}).listen(port, '127.0.0.1', () => {
  console.log(`Demo: http://localhost:${port}/`);
});
