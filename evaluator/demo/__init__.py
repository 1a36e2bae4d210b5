"""Demo data: real Sichuan places and generated applications for trying the service."""
