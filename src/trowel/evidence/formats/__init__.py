"""Evidence formats with their own readers (Android backup, disk images, E01, sparse); each registers itself.

The order matters only for sniffers that could overlap: the specific magics (Android backup, E01, sparse)
come before the raw disk image, whose MBR test is the loosest.
"""

from trowel.evidence.formats import android_backup, disk_image

__all__ = ["android_backup", "disk_image"]
