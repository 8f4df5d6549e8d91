{
  motd = "db1: holds the data";
  services = [ "postgresql" ];
  # Drift on the database host is reported, not healed: someone looks before it is redeployed.
  deploy = { tags = [ "db" ]; policy = "report"; };
}
