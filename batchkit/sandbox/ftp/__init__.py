"""The sandbox's SFTP drop: the watched folder (drop), FTP file submissions (submissions), a dropped file's
reading (read, records) and GET FTPFileSubmissions (routes)."""
