{
  motd = "db1";
  services = [ "postgresql" ];
}
