// The invoice's PDF rendered in the page with PDF.js (loaded only when an invoice is opened, so the
// first screen stays light). Pages are drawn on a canvas; the text stays downloadable.
import { useEffect, useRef, useState } from 'react';
import { t } from '../i18n/fr.ts';

type PdfDocument = { numPages: number; getPage(n: number): Promise<PdfPage>; destroy(): Promise<void> };
type PdfPage = {
  getViewport(options: { scale: number }): { width: number; height: number };
  render(options: { canvasContext: CanvasRenderingContext2D; viewport: unknown; canvas: HTMLCanvasElement }): { promise: Promise<void> };
};

async function loadPdfJs() {
  const [pdfjs, worker] = await Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?url')]);
  pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
  return pdfjs;
}

export function PdfViewer({ url, title }: { url: string; title: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [doc, setDoc] = useState<PdfDocument | null>(null);
  const [page, setPage] = useState(1);
  const [state, setState] = useState<'loading' | 'ready' | 'error'>('loading');

  useEffect(() => {
    let live = true;
    let loaded: PdfDocument | null = null;
    setState('loading');
    setPage(1);
    loadPdfJs()
      .then((pdfjs) => pdfjs.getDocument({ url, isEvalSupported: false, withCredentials: true }).promise)
      .then((document) => {
        loaded = document as unknown as PdfDocument;
        if (live) setDoc(loaded);
      })
      .catch(() => live && setState('error'));
    return () => {
      live = false;
      void loaded?.destroy();
    };
  }, [url]);

  useEffect(() => {
    if (!doc || !canvas.current) return;
    let live = true;
    void (async () => {
      try {
        const pdfPage = await doc.getPage(page);
        const ratio = window.devicePixelRatio || 1;
        const viewport = pdfPage.getViewport({ scale: 1.4 * ratio });
        const element = canvas.current;
        if (!live || !element) return;
        element.width = viewport.width;
        element.height = viewport.height;
        const context = element.getContext('2d');
        if (!context) return;
        await pdfPage.render({ canvasContext: context, viewport, canvas: element }).promise;
        if (live) setState('ready');
      } catch {
        if (live) setState('error');
      }
    })();
    return () => {
      live = false;
    };
  }, [doc, page]);

  return (
    <div className="pdf-viewer">
      <div className="pdf-toolbar">
        {doc && doc.numPages > 1 ? (
          <>
            <button type="button" className="button-secondary" onClick={() => setPage(Math.max(1, page - 1))} disabled={page <= 1}>
              {t.invoice.previousPage}
            </button>
            <span aria-live="polite">{t.invoice.page(page, doc.numPages)}</span>
            <button type="button" className="button-secondary" onClick={() => setPage(Math.min(doc.numPages, page + 1))} disabled={page >= doc.numPages}>
              {t.invoice.nextPage}
            </button>
          </>
        ) : null}
        <a href={`${url}?download=1`}>{t.invoice.download}</a>
      </div>
      {state === 'loading' ? <p role="status" style={{ color: '#fff' }}>{t.invoice.pdfLoading}</p> : null}
      {state === 'error' ? <p role="alert" className="alert alert-error">{t.invoice.pdfError}</p> : null}
      <canvas ref={canvas} role="img" aria-label={title} data-testid="pdf-canvas" data-state={state} />
    </div>
  );
}
