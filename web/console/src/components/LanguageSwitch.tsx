import { useI18n } from '../i18n/I18nContext';
import { Icon } from './Icon';

export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <button
      type="button"
      className="lang-switch"
      aria-label={t('lang.label')}
      onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}
    >
      <Icon name="globe" size={14} /> {t('lang.switch')}
    </button>
  );
}
