{
  motd = "db1: holds the data";
  services = [ "postgresql" ];
  deploy.tags = [ "db" ];
}
