"""The partner registry: who the partners are, their channel, regions and status, and who may act for them."""
