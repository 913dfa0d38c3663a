import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev` proxies the API to a local `medsign serve` (MEDSIGN_URL, default http://127.0.0.1:8080).
const target = process.env.MEDSIGN_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  server: { proxy: { '/api': target, '/metrics': target } },
  build: { outDir: 'dist', chunkSizeWarningLimit: 1500 },
});
