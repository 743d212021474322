import { PageTitle } from '../components/ui.tsx';

export default function Invoice(_props: Record<string, string>) {
  return <PageTitle>Invoice</PageTitle>;
}
