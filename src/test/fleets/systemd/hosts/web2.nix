{
  motd = "web2";
  services = [ "nginx" ];
}
