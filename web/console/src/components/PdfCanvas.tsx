// A PDF page drawn with pdf.js. pdf.js and its worker are part of the console's own bundle (no CDN): the
// worker is loaded from this origin, standard fonts and CMaps from /pdfjs/ (copied in by vite.config.ts).
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { PDFDocumentProxy } from 'pdfjs-dist';

type PdfJs = typeof import('pdfjs-dist');
let loader: Promise<PdfJs> | null = null;

/** Loads pdf.js once, with the worker from our own origin. */
export function loadPdfJs(): Promise<PdfJs> {
  loader ??= (async () => {
    const [lib, worker] = await Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?url')]);
    lib.GlobalWorkerOptions.workerSrc = worker.default;
    return lib;
  })();
  return loader;
}

/** Opens a PDF from its bytes (copied: pdf.js takes over the buffer it is given). */
export async function openPdf(bytes: ArrayBuffer): Promise<PDFDocumentProxy> {
  const lib = await loadPdfJs();
  const base = new URL('pdfjs/', document.baseURI).href;
  return lib.getDocument({
    data: new Uint8Array(bytes.slice(0)),
    cMapUrl: base + 'cmaps/',
    cMapPacked: true,
    standardFontDataUrl: base + 'standard_fonts/',
    isEvalSupported: false,
  }).promise;
}

/** The displayed page's geometry: CSS pixels per PDF point and the page size in points as displayed. */
export interface PageGeometry {
  scale: number;
  widthPt: number;
  heightPt: number;
  rotate: number;
}

/** Draws one page fitted to `width` CSS pixels; children are laid over the page (absolute positioning). */
export function PdfCanvas({ doc, pageNumber, width, label, onGeometry, children }: {
  doc: PDFDocumentProxy;
  pageNumber: number;
  width: number;
  label: string;
  onGeometry?(g: PageGeometry): void;
  children?: ReactNode;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [drawn, setDrawn] = useState<{ geo: PageGeometry; doc: PDFDocumentProxy; page: number; width: number } | null>(null);
  // Only the drawing of the page now asked for counts (effects run after the new props are shown).
  const geo = drawn && drawn.doc === doc && drawn.page === pageNumber && drawn.width === width ? drawn.geo : null;
  const [error, setError] = useState('');
  const report = useRef(onGeometry);
  report.current = onGeometry;

  useEffect(() => {
    let cancelled = false;
    let task: { cancel(): void; promise: Promise<void> } | null = null;
    (async () => {
      try {
        const page = await doc.getPage(pageNumber);
        const unit = page.getViewport({ scale: 1 });
        const scale = width / unit.width;
        const viewport = page.getViewport({ scale });
        const c = canvas.current;
        if (cancelled || !c) return;
        const ratio = window.devicePixelRatio || 1;
        c.width = Math.floor(viewport.width * ratio);
        c.height = Math.floor(viewport.height * ratio);
        c.style.width = `${viewport.width}px`;
        c.style.height = `${viewport.height}px`;
        task = page.render({
          canvas: c,
          viewport,
          transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : undefined,
        });
        await task.promise;
        if (cancelled) return;
        const g = { scale, widthPt: unit.width, heightPt: unit.height, rotate: unit.rotation };
        setDrawn({ geo: g, doc, page: pageNumber, width });
        setError('');
        report.current?.(g);
      } catch (e) {
        if (!cancelled && (e as { name?: string }).name !== 'RenderingCancelledException') setError(String((e as Error).message ?? e));
      }
    })();
    return () => {
      cancelled = true;
      task?.cancel();
    };
  }, [doc, pageNumber, width]);

  return (
    <div className="pdf-page" style={geo ? { width: geo.widthPt * geo.scale, height: geo.heightPt * geo.scale } : { width }}>
      <canvas ref={canvas} role="img" aria-label={label} data-testid="pdf-canvas" data-rendered={geo ? 'true' : 'false'} />
      {geo && children}
      {error && <div className="notice notice-bad">{error}</div>}
    </div>
  );
}
