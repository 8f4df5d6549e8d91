{
  motd = "web1";
  services = [ "nginx" ];
}
