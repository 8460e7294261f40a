"""Record linkage: sets of proceedings across sources, and people across sets."""
