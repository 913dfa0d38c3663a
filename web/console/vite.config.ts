import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// `npm run dev` proxies the API to a local `medsign serve` (MEDSIGN_URL, default http://127.0.0.1:8080).
const target = process.env.MEDSIGN_URL ?? 'http://127.0.0.1:8080';

// pdf.js loads CMaps and the standard fonts at run time: ship them in dist/pdfjs/ so the console works on a
// closed network (no CDN).
const PDFJS = join(import.meta.dirname, 'node_modules', 'pdfjs-dist');
function pdfjsAssets(): Plugin {
  return {
    name: 'medsign-pdfjs-assets',
    generateBundle() {
      for (const dir of ['cmaps', 'standard_fonts']) {
        for (const f of readdirSync(join(PDFJS, dir))) {
          if (f.endsWith('.md') || f === 'LICENSE') continue;
          this.emitFile({ type: 'asset', fileName: `pdfjs/${dir}/${f}`, source: readFileSync(join(PDFJS, dir, f)) });
        }
      }
    },
    configureServer(server) {
      server.middlewares.use('/pdfjs', (req, res, next) => {
        const m = /^\/(cmaps|standard_fonts)\/([\w.-]+)$/.exec(req.url ?? '');
        if (!m) return next();
        try {
          res.end(readFileSync(join(PDFJS, m[1], m[2])));
        } catch {
          next();
        }
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), pdfjsAssets()],
  server: { proxy: { '/api': target, '/metrics': target } },
  build: { outDir: 'dist', chunkSizeWarningLimit: 1500 },
});
