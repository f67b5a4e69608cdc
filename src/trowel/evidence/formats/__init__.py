"""Evidence formats with their own readers (Android backup, disk images, E01, sparse); each registers itself.

The raw disk image's sniffer (an MBR signature is a weak sign) refuses the magics of the other containers,
so the registration order does not matter.
"""

from trowel.evidence.formats import android_backup, disk_image, ewf, sparse

__all__ = ["android_backup", "disk_image", "ewf", "sparse"]
