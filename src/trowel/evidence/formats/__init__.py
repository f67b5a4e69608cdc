"""Evidence formats with their own readers (Android backup, disk images, E01, sparse); each registers itself."""
