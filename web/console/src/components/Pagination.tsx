import { useI18n } from '../i18n/I18nContext';

export function Pagination({ page, pages, onPage }: { page: number; pages: number; onPage(p: number): void }) {
  const { t } = useI18n();
  return (
    <nav className="pagination" aria-label="pagination">
      <button type="button" className="small-button" disabled={page <= 1} onClick={() => onPage(page - 1)}>‹ {t('audit.prev')}</button>
      <span className="muted small">{t('audit.page', { p: page, n: Math.max(1, pages) })}</span>
      <button type="button" className="small-button" disabled={page >= pages} onClick={() => onPage(page + 1)}>{t('audit.next')} ›</button>
    </nav>
  );
}
