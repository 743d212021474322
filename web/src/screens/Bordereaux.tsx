import { PageTitle } from '../components/ui.tsx';

export default function Bordereaux(_props: Record<string, string>) {
  return <PageTitle>Bordereaux</PageTitle>;
}
