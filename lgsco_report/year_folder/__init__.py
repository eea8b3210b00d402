"""A year's output folder, ``outputs/<year>/``: its file names, its lock, its manifest and its send record.

Why a package of its own, below everything that writes or reads the folder:
the batch writes it, ``send`` mails from it, the index page shows it; each
asks these modules rather than knowing a name or a format itself, so the three
never import one another to learn it. Standard library and the base modules
only.

- ``names``: every file and folder name under ``outputs/<year>/``;
- ``lock``: ``batch_lock``, the lock that keeps a batch and a send apart;
- ``manifest``: ``Manifest``, every document of the year, its status and inputs;
- ``sent_record``: ``SendRecord`` (``sent.json``) and each council's send state.
"""
