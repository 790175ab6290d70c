"""What people see: every text-and-keyboard builder and the callback-data codec."""
