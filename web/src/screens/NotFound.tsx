import { t } from '../i18n/fr.ts';
import { Link } from '../router.tsx';
import { PageTitle } from '../components/ui.tsx';

export function NotFound({ forbidden = false }: { forbidden?: boolean }) {
  return (
    <div>
      <PageTitle>{t.app.notFound}</PageTitle>
      <p>{forbidden ? t.app.forbidden : t.app.notFoundText}</p>
      <Link to="/">{t.app.backHome}</Link>
    </div>
  );
}
