// The pdf.js worker is bundled as a file of our own origin; Vite answers its URL.
declare module 'pdfjs-dist/build/pdf.worker.min.mjs?url' {
  const url: string;
  export default url;
}
