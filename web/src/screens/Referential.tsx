import { PageTitle } from '../components/ui.tsx';

export default function Referential(_props: Record<string, string>) {
  return <PageTitle>Referential</PageTitle>;
}
